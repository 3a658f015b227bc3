"""Text that is safe to store: no NUL or other control characters, no lone surrogates.

PostgreSQL refuses NUL in text and JSONB, and a lone surrogate (legal in a JSON string
escape) cannot be encoded as UTF-8; both would otherwise surface as a 500.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

_ALLOWED_CONTROLS = {"\n", "\r", "\t"}


def check_clean_text(value: str) -> str:
    for ch in value:
        if (ord(ch) < 0x20 and ch not in _ALLOWED_CONTROLS) or ord(ch) == 0x7F:
            raise ValueError("Control characters are not allowed.|不允许包含控制字符。")
        if 0xD800 <= ord(ch) <= 0xDFFF:
            raise ValueError("The text is not valid Unicode.|文本不是有效的 Unicode。")
    return value


CleanText = Annotated[str, AfterValidator(check_clean_text)]
