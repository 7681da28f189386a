"""The policyqa core: documents -> items -> tokens -> ranked hits.

Nothing here knows about Telegram, click or environment variables.
"""
