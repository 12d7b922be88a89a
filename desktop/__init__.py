"""明厨亮灶监管工作台 (transparent-kitchen supervision console)."""

__version__ = "0.1.0"
