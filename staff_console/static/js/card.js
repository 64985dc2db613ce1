// The invitation card's one button: print the sheet (the print CSS leaves the toolbar out).
// A module of its own: the card page is not a signed-in console page and loads nothing else.

document.getElementById("card-print")?.addEventListener("click", () => window.print());
