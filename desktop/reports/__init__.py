"""The programme's periodic reports (监管工作月报): data (Qt-free), Excel and PDF renderers."""
