"""BareMetalPool: Ironic, AWS metal instances and servers you bring, across failure domains."""
