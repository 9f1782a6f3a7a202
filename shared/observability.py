"""Logger, metrics and tracer, created once for every function."""
from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = "peer-learning-visits"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace="PeerLearningVisits", service=SERVICE)
tracer = Tracer(service=SERVICE)
