"""Platform adapters (Slack, Teams): each translates platform events into neutral events and
neutral replies into the platform's UI. Adapters never import each other."""
