# The Terraform twin of __main__.py: the same resources, the same names, the same settings.
# Accounts and machines are kept well except where their names say otherwise. Written for
# azurerm 3.x (`enable_https_traffic_only`, which azurerm 4 renames and checkov 3.3.30's
# CKV_AZURE_3 still reads).

resource "azurerm_network_security_group" "nsg_ssh" {
  name                = "ssh"
  location            = "westeurope"
  resource_group_name = "rg"
  security_rule {
    name                       = "ssh"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "22"
    source_address_prefix      = "*"
    destination_address_prefix = "*"
  }
}

resource "azurerm_network_security_rule" "rule_rdp" {
  name                        = "rdp"
  resource_group_name         = "rg"
  network_security_group_name = "app"
  priority                    = 110
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_range      = "3389"
  source_address_prefix       = "Internet"
  destination_address_prefix  = "*"
}

resource "azurerm_storage_account" "account_http" {
  name                            = "twinhttp"
  resource_group_name             = "rg"
  location                        = "westeurope"
  account_tier                    = "Standard"
  account_replication_type        = "GRS"
  enable_https_traffic_only       = false
  min_tls_version                 = "TLS1_2"
  allow_nested_items_to_be_public = false
}

resource "azurerm_storage_account" "account_old_tls" {
  name                            = "twinoldtls"
  resource_group_name             = "rg"
  location                        = "westeurope"
  account_tier                    = "Standard"
  account_replication_type        = "GRS"
  enable_https_traffic_only       = true
  min_tls_version                 = "TLS1_0"
  allow_nested_items_to_be_public = false
}

resource "azurerm_storage_account" "account_public" {
  name                            = "twinpublic"
  resource_group_name             = "rg"
  location                        = "westeurope"
  account_tier                    = "Standard"
  account_replication_type        = "GRS"
  enable_https_traffic_only       = true
  min_tls_version                 = "TLS1_2"
  allow_nested_items_to_be_public = true
}

resource "azurerm_storage_account" "account_kept" {
  name                            = "twinkept"
  resource_group_name             = "rg"
  location                        = "westeurope"
  account_tier                    = "Standard"
  account_replication_type        = "GRS"
  enable_https_traffic_only       = true
  min_tls_version                 = "TLS1_2"
  allow_nested_items_to_be_public = false
  blob_properties {
    versioning_enabled = true
  }
}

resource "azurerm_storage_container" "container_public" {
  name                  = "site"
  storage_account_name  = azurerm_storage_account.account_kept.name
  container_access_type = "blob"
}

resource "azurerm_linux_virtual_machine" "vm_password" {
  name                            = "vm"
  resource_group_name             = "rg"
  location                        = "westeurope"
  size                            = "Standard_D2s_v5"
  admin_username                  = "app"
  admin_password                  = var.admin_password
  disable_password_authentication = false
  encryption_at_host_enabled      = true
  network_interface_ids           = ["/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/vm"]
  os_disk {
    caching              = "ReadWrite"
    storage_account_type = "Premium_LRS"
  }
  source_image_reference {
    publisher = "Canonical"
    offer     = "ubuntu-24_04-lts"
    sku       = "server"
    version   = "latest"
  }
}

resource "azurerm_linux_virtual_machine_scale_set" "scale_set_unencrypted_host" {
  name                            = "ss"
  resource_group_name             = "rg"
  location                        = "westeurope"
  sku                             = "Standard_D2s_v5"
  instances                       = 2
  admin_username                  = "app"
  disable_password_authentication = true
  encryption_at_host_enabled      = false
  admin_ssh_key {
    username   = "app"
    public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB app"
  }
  os_disk {
    caching              = "ReadWrite"
    storage_account_type = "Premium_LRS"
  }
  source_image_reference {
    publisher = "Canonical"
    offer     = "ubuntu-24_04-lts"
    sku       = "server"
    version   = "latest"
  }
  network_interface {
    name    = "nic"
    primary = true
    ip_configuration {
      name      = "ip"
      primary   = true
      subnet_id = "/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/app"
    }
  }
}

resource "azurerm_network_interface" "nic_public" {
  name                = "vm-nic"
  location            = "westeurope"
  resource_group_name = "rg"
  ip_configuration {
    name                          = "ip"
    subnet_id                     = "/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/app"
    private_ip_address_allocation = "Dynamic"
    public_ip_address_id          = "/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/vm-ip"
  }
}

resource "azurerm_mssql_firewall_rule" "sql_firewall_everyone" {
  name             = "everyone"
  server_id        = "/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/rg/providers/Microsoft.Sql/servers/app"
  start_ip_address = "0.0.0.0"
  end_ip_address   = "255.255.255.255"
}

variable "admin_password" {
  type      = string
  sensitive = true
}
