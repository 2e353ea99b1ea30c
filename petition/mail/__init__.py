"""Email: `messages` builds each flask_mail.Message (templates/email/, in the
recipient's language); `smtp` sends them on one reused SMTP connection and
says which failures no retry can mend (`Unsendable`). Jobs (petition/jobs/)
use both."""
