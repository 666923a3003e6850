"""`sggitops bump bigbang`: pin a Big Bang version, migrate values, regenerate, commit; `sggitops versions`."""
