"""Gatepost's bundled data: the default policy, letter templates and example school profiles.

Data only, never secrets.  `CONFIG_DIR` is where the files are, installed or not.
"""

from pathlib import Path

CONFIG_DIR = Path(__file__).resolve().parent
POLICY_PATH = CONFIG_DIR / "policy.toml"
DEMO_SCHOOL_PATH = CONFIG_DIR / "demo-school.toml"
DEMO_POSTS_PATH = CONFIG_DIR / "demo-posts.jsonl"
LETTERS_DIR = CONFIG_DIR / "letters"
