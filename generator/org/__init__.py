"""Organisation editions: the profile, its branding, tailoring the framework, scaffolding and overrides."""
