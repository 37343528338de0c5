"""Fulfilment: the work handed to the locations (`order`) and the workflow it follows (`workflow`)."""
