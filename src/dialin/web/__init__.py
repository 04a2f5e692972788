"""The web dashboard: HTML shells and static assets; every datum comes from the JSON API."""
