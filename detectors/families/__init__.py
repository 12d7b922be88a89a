"""One module per model family; `detectors.registry` lists them explicitly."""
