import React from "react";
import ReactDOM from "react-dom/client";
import { App } from "./components/App";
import { followTheme } from "./lib/theme";
import "./styles.css";
import "./styles/chrome.css";

// Before the first render, so a chosen theme never flashes the system's. (The CSP allows
// no inline script in index.html; this module runs before anything is drawn.)
followTheme();

const root = document.getElementById("root");
if (root) {
  ReactDOM.createRoot(root).render(
    <React.StrictMode>
      <App />
    </React.StrictMode>,
  );
}
