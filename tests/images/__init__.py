"""Our copies of outlets' images: downloading, converting, refusing, and the limits of
what a copy can be."""
