"""Shared pytest configuration for the course's tests."""

# Browser fixtures (JupyterLab, Voila, headless Chromium) live in their own module.
pytest_plugins = ["conftest_browser"]
