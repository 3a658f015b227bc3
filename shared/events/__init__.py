"""Published event contracts: the CloudEvents envelope, topics and payload schemas."""
