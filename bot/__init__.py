"""The edges of policyqa: settings, answers, rendering, the command line and the Telegram bot."""
