"""The component provider that serves skyweave's components to other Pulumi languages."""
