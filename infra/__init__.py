"""Infrastructure: the CDK app (AWS) and the local stack, both built from chalicelib.resources."""
