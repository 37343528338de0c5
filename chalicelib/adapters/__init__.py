"""Adapters: DynamoDB, EventBridge and SQS behind small interfaces; botocore errors stop here."""
