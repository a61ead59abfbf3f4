# Prints python-dotenv's reading of each file given, as a JSON list. Used by the corpus test.
import json
import sys

from dotenv import dotenv_values

print(json.dumps([dotenv_values(path) for path in sys.argv[1:]]))
