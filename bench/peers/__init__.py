"""Peers of the engine's matching (資格点検), written the way a data-center analyst would.

Each peer reads the institution-side receipt files and the office's feed end to end and
returns one row per receipt: ``file``, ``line``, ``match_status``. ``bench/batch.py`` runs
them beside ``receptor run`` and checks that they agree with the engine receipt by receipt.
"""
