"""CSV sources: uploads, their profile and preview, their stored files."""
