import sys

print("setting up")
sys.exit(3)
