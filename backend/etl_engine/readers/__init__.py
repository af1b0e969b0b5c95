"""File detection: encoding, dialect and the lines before the data, from a sample of the file."""
