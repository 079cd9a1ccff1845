"""CISO Assistant (an open-source GRC platform): the framework as its library workbook and library YAML."""
