// Runs before the page is drawn (a classic script in the head), so a chosen theme never flashes
// the system's first; app.js offers the toggle.
{
  const chosen = localStorage.getItem('codeact.theme');
  if (chosen === 'light' || chosen === 'dark') document.documentElement.dataset.theme = chosen;
}
