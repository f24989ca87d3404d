/** Grid rows fetched per request: one screen of thumbnails several times over. */
export const PAGE_SIZE = 200
