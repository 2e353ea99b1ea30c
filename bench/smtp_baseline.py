"""The ceiling of the emails scenario: smtplib sending already-rendered
messages over one reused connection. `python smtp_baseline.py FILE PORT`,
run in its own process so it never shares a GIL with the sink."""

import pickle
import smtplib
import sys


def main(path, port):
    with open(path, "rb") as f:
        messages = pickle.load(f)
    with smtplib.SMTP("127.0.0.1", int(port)) as smtp:
        for sender, recipients, raw in messages:
            smtp.sendmail(sender, recipients, raw)


if __name__ == "__main__":
    main(*sys.argv[1:3])
