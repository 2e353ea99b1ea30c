"""Browser tests (headless Chromium via Playwright)."""
