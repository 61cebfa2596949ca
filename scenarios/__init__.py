"""The shipped scenarios, installed as the package data ``safesim.scenarios`` so that
``safesim.shipped`` finds them from any folder (this file makes the folder a package)."""
