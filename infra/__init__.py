"""The CDK app of the peer-learning-visits backend (built from `shared.topology`)."""
