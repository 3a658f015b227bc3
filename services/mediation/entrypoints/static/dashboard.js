// The dashboard (served as a file: the page's CSP allows no inline script).
"use strict";
const fmt = (iso) => iso ? new Date(iso).toLocaleString("zh-CN", { hour12: false }) : "—";
const text = (value) => document.createTextNode(value ?? "—");
let token = sessionStorage.getItem("gridcase-token");
document.getElementById("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const response = await fetch(document.body.dataset.routingUrl + "/auth/login", {
    method: "POST",
    headers: { "Content-Type": "application/json", "Accept-Language": "zh-CN" },
    body: JSON.stringify({
      username: document.getElementById("username").value,
      password: document.getElementById("password").value,
    }),
  });
  const answer = await response.json();
  document.getElementById("who").textContent = response.ok ? "已登录：" + answer.role : answer.detail;
  if (response.ok) {
    token = answer.access_token;
    sessionStorage.setItem("gridcase-token", token);
    load();
  }
});
async function load() {
  if (!token) { document.getElementById("summary").textContent = "请先登录"; return; }
  const status = document.getElementById("status").value;
  const url = "/cases?limit=100" + (status ? "&status=" + encodeURIComponent(status) : "");
  const response = await fetch(url, { headers: { "Accept-Language": "zh-CN", "Authorization": "Bearer " + token } });
  if (response.status === 401) { token = null; sessionStorage.removeItem("gridcase-token"); }
  const cases = response.ok ? await response.json() : [];
  const body = document.querySelector("#cases tbody");
  body.replaceChildren();
  for (const c of cases) {
    const row = document.createElement("tr");
    const cells = [c.case_number, c.title, c.category, null, c.unit_name, c.assignee_name, fmt(c.submitted_at)];
    cells.forEach((value, i) => {
      const cell = document.createElement("td");
      if (i === 3) {
        const badge = document.createElement("span");
        badge.className = "status " + c.status;
        badge.append(text(c.status_label));
        cell.append(badge);
      } else {
        cell.append(text(value));
      }
      row.append(cell);
    });
    body.append(row);
  }
  document.getElementById("cases").hidden = cases.length === 0;
  document.getElementById("empty").hidden = cases.length !== 0;
  document.getElementById("summary").textContent = "共 " + cases.length + " 件 · 更新于 " + fmt(new Date().toISOString());
}
document.getElementById("refresh").addEventListener("click", load);
document.getElementById("status").addEventListener("change", load);
load();
setInterval(load, 5000);
