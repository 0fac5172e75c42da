(function () {
  var table = document.getElementById("reports");
  var body = table.tBodies[0];
  var filter = document.getElementById("filter");
  var state = { column: -1, ascending: true };

  function cellValue(row, column) {
    var cell = row.cells[column];
    if (!cell || row.classList.contains("bad")) { return null; }  // unreadable bundles sort last
    var value = cell.getAttribute("data-value");
    if (value === null) { value = cell.textContent.trim(); }
    var number = parseFloat(value);
    return isNaN(number) || !/^-?[0-9.]+$/.test(value) ? value.toLowerCase() : number;
  }

  function sortBy(column, ascending) {
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, column), y = cellValue(b, column);
      if (x === y) { return 0; }
      if (x === null) { return 1; }
      if (y === null) { return -1; }
      return ((x < y) ? -1 : 1) * (ascending ? 1 : -1);
    });
    rows.forEach(function (row) { body.appendChild(row); });
    state = { column: column, ascending: ascending };
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      th.setAttribute("aria-sort", index === column ? (ascending ? "ascending" : "descending") : "none");
    });
  }

  function applyFilter(text) {
    var needle = text.trim().toLowerCase();
    Array.prototype.forEach.call(body.rows, function (row) {
      row.hidden = needle !== "" && row.textContent.toLowerCase().indexOf(needle) === -1;
    });
  }

  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
    th.addEventListener("click", function () {
      sortBy(index, state.column === index ? !state.ascending : true);
    });
  });
  filter.addEventListener("input", function () { applyFilter(filter.value); });

  // #sort=COLUMN[-desc]&filter=TEXT: a link (or a test) can open the page sorted and filtered
  var params = new URLSearchParams(location.hash.replace(/^#/, ""));
  var wanted = params.get("sort");
  if (wanted) {
    var descending = /-desc$/.test(wanted);
    var name = wanted.replace(/-desc$/, "");
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      if (th.getAttribute("data-key") === name) { sortBy(index, !descending); }
    });
  }
  if (params.get("filter")) { filter.value = params.get("filter"); applyFilter(filter.value); }
}());
