"""Orders: the order aggregate (`order.Order`) and the concepts it is made of."""
