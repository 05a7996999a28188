"""HTTP plumbing shared by every blueprint: compression, headers, CSRF masking, form-data
guards, errors, URL converters, templating, downloads, public links, proxies, pagination, table
exports and form helpers. It knows nothing of the domains."""
