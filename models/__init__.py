"""The shipped models, installed as package data of ``moderation.models`` (see README.md here: the model card)."""
