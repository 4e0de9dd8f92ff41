"""The Gucheng (故城县) sample and its demo accounts."""
