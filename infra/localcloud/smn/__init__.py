"""Simple Message Notification: topics, subscriptions, topic policies and publishing."""
