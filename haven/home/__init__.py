"""Each role's home page and navigation: the top floor, which asks every app and which no app imports."""
