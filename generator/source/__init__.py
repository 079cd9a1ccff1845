"""The source stage: strict YAML reading, the schema, the cross-checks and loading into one Framework."""
