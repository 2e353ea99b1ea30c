"""Business rules. Each public function owns its transaction: it commits,
then enqueues or publishes. Views call one of them and render the result."""
