"""HTTP building blocks every service uses: app factory, problem details, health."""
