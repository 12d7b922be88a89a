"""Developer tools run by hand (never imported by the application), e.g. converting a Keras model
to OpenVINO IR in a throwaway environment."""
