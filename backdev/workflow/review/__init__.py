"""Reviews: the request sent, the findings, the report (markdown, JSON, SARIF) and its artifact."""
