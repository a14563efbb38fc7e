"""Identity and Access Management: agencies and temporary credentials through them."""
