"""ClearCRM: a self-hosted CRM built around email integration."""
