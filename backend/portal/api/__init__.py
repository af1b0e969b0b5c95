"""Cross-domain API plumbing: `Annotated` dependencies, the Page shape, shared schema bits."""
