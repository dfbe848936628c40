"""Operations shared by the faces (the ``syxkit`` command line and ``syxkit web``): what a
device allows in a name, what a bank can hold, slot edits on user banks, building a bank or an
export in memory. No terminal and no HTTP code here."""
