"""On-device analysis of the wall's streams (Qt-free): it runs inside the stream-host process,
on the frames the stream workers already decoded, and sends AnalysisEvents to the console."""
