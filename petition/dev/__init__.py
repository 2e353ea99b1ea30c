"""Development only: what `make run` (stack.py), the tests and the benchmarks
use (servers.py: a private Redis, an SMTP sink), and the /dev/mail/ page
(mail.py). Production never imports this package: the dev mail blueprint is
imported only when DEV_MAIL_DIR is set outside production (views/__init__.py),
and tests/test_architecture.py checks it."""
