"""The Word policy pack: what the policy says (content), how it is laid out (sections) and the .docx (document)."""
